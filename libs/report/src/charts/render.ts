import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import { ReportError } from '../errors.js';

/** Fonts and sizes chosen for print: DejaVu Sans is what resvg finds on the project's machines. */
export const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

export const chartConfig = {
  font: FONT,
  background: 'white',
  padding: 8,
  view: { stroke: '#bbbbbb' },
  axis: {
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: 'normal',
    grid: true,
    gridColor: '#e6e6e6',
    tickColor: '#888888',
    domainColor: '#888888',
  },
  legend: {
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: 'normal',
    orient: 'right',
    labelLimit: 480,
    symbolStrokeWidth: 3,
    symbolType: 'stroke',
  },
  header: { labelFontSize: 12, titleFontSize: 12, labelFontWeight: 'bold' },
  title: { fontSize: 14, subtitleFontSize: 11, subtitleColor: '#444444', anchor: 'start', offset: 10 },
  line: { strokeWidth: 2 },
} as const;

const resvgOptions = (pngScale: number) => ({
  background: 'white',
  fitTo: { mode: 'zoom' as const, value: pngScale },
  font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
});

let fontChecked = false;

/**
 * resvg silently drops text when it finds no font, which would give PNGs without labels. Probe once: draw
 * black text on white and require some dark pixels.
 */
function assertFontsAvailable(): void {
  if (fontChecked) return;
  const probe = new Resvg(
    `<svg xmlns="http://www.w3.org/2000/svg" width="60" height="30"><text x="2" y="22" font-family="${FONT}" font-size="20">Ag</text></svg>`,
    resvgOptions(1),
  ).render();
  const px = probe.pixels;
  let dark = 0;
  for (let i = 0; i < px.length; i += 4) if (px[i]! < 128) dark++;
  if (dark === 0) {
    throw new ReportError(
      'no usable font for chart text in PNGs: install DejaVu Sans (Debian: apt-get install fonts-dejavu-core)',
      'render-failed',
    );
  }
  fontChecked = true;
}

export interface RenderedChart {
  svg: string;
  png: Buffer;
  /** Vega-Lite compile warnings (e.g. a channel dropped); tests assert there are none. */
  warnings: string[];
}

/** Compiles a Vega-Lite spec and renders it headlessly: SVG from vega's string renderer, PNG from resvg. */
export async function renderChart(id: string, spec: TopLevelSpec, pngScale: number): Promise<RenderedChart> {
  const warnings: string[] = [];
  const logger = {
    level: (_?: number) => logger,
    error: (...a: unknown[]) => {
      throw new ReportError(`chart ${id}: ${a.join(' ')}`, 'render-failed');
    },
    warn: (...a: unknown[]) => {
      warnings.push(a.join(' '));
      return logger;
    },
    info: () => logger,
    debug: () => logger,
  };
  let view: vega.View | undefined;
  try {
    // vega-lite's Logger interface is structurally the same as this object; its level() overloads defeat inference.
    const compiled = vl.compile({ ...spec, config: { ...chartConfig, ...(spec.config ?? {}) } } as TopLevelSpec, {
      logger: logger as never,
    });
    // vega's runtime logger has the same shape; collecting its warnings keeps stderr clean and lets tests see them.
    view = new vega.View(vega.parse(compiled.spec), { renderer: 'none', logger: logger as never });
    view.logLevel(vega.Warn);
    const svg = await view.toSVG();
    assertFontsAvailable();
    const png = new Resvg(svg, resvgOptions(pngScale)).render().asPng();
    return { svg, png, warnings };
  } catch (e) {
    if (e instanceof ReportError) throw e;
    throw new ReportError(`chart ${id}: rendering failed: ${(e as Error).message}`, 'render-failed');
  } finally {
    view?.finalize();
  }
}
