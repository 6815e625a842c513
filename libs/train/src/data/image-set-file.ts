// The train-side reader of the Arrow image-set layout (written by @transfusion/data's artifact.ts): which
// columns a file has, its image shape ('transfusion.shape' metadata), pixel dtype and label width, and the
// label/mask rows of a record batch. The streamed dataset (streamed-dataset.ts) opens files through it.
import * as arrow from 'apache-arrow';
import {
  type ArrowFileInfo,
  ArrowFileError,
  type FixedSizeListValues,
  fixedSizeListValues,
} from '@transfusion/arrow-io';
import { z } from 'zod';
import { TrainError } from '../errors.js';

/** A file that is not a usable image set, named in the message. */
export function failData(path: string, msg: string): never {
  throw new TrainError('TRAIN_BAD_DATA', `${path}: ${msg}`, { file: path });
}

export interface ImageSetColumns {
  imageColumn: string;
  labelColumn: string;
  maskColumn: string;
  patientColumn: string;
  splitColumn: string;
}

export interface ImageSetLayout {
  shape: [number, number, number];
  dtype: 'uint8' | 'float32';
  labelWidth: number;
  /** The label column is a FixedSizeList (else one scalar per row). */
  labelIsList: boolean;
  hasMask: boolean;
  hasPatient: boolean;
  hasSplit: boolean;
}

const shapeSchema = z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]);

/** Checks the file's columns and metadata against the image-set layout; throws TRAIN_BAD_DATA naming the file. */
export function readImageSetLayout(
  info: Pick<ArrowFileInfo, 'schema' | 'metadata'>,
  path: string,
  c: ImageSetColumns,
): ImageSetLayout {
  const field = (name: string) => info.schema.fields.find((f) => f.name === name);
  const columns = info.schema.fields.map((f) => f.name).join(', ');
  const img = field(c.imageColumn);
  const lab = field(c.labelColumn);
  if (!img) failData(path, `no image column '${c.imageColumn}' (columns: ${columns})`);
  if (!lab) failData(path, `no label column '${c.labelColumn}' (columns: ${columns})`);
  const shape = shapeFromMetadata(info.metadata['transfusion.shape'], path);
  const per = shape[0] * shape[1] * shape[2];
  const item = img.type instanceof arrow.FixedSizeList ? img.type.children[0]!.type : undefined;
  const dtype =
    arrow.DataType.isInt(item) && item.bitWidth === 8 && !item.isSigned
      ? 'uint8'
      : arrow.DataType.isFloat(item) && item.precision === arrow.Precision.SINGLE
        ? 'float32'
        : undefined;
  if (!(img.type instanceof arrow.FixedSizeList) || img.type.listSize !== per || !dtype) {
    failData(
      path,
      `column '${c.imageColumn}' is ${String(img.type)}, expected FixedSizeList<Uint8|Float32>[${per}] for images ${shape.join('x')}`,
    );
  }
  const labelIsList = lab.type instanceof arrow.FixedSizeList;
  return {
    shape,
    dtype,
    labelWidth: lab.type instanceof arrow.FixedSizeList ? lab.type.listSize : 1,
    labelIsList,
    hasMask: field(c.maskColumn) !== undefined,
    hasPatient: field(c.patientColumn) !== undefined,
    hasSplit: field(c.splitColumn) !== undefined,
  };
}

function shapeFromMetadata(meta: string | undefined, path: string): [number, number, number] {
  if (meta === undefined) failData(path, "no 'transfusion.shape' metadata: not an image set");
  let json: unknown;
  try {
    json = JSON.parse(meta);
  } catch {
    failData(path, `metadata 'transfusion.shape' is ${meta}, expected [H, W, C]`);
  }
  const s = shapeSchema.safeParse(json);
  if (!s.success) failData(path, `metadata 'transfusion.shape' is ${meta}, expected [H, W, C]`);
  return s.data;
}

/** The flat values of a FixedSizeList column of one record batch; a file whose column is not one is TRAIN_BAD_DATA. */
function listValues(vec: arrow.Vector, path: string, column: string): FixedSizeListValues {
  try {
    return fixedSizeListValues(vec, path, column);
  } catch (e) {
    if (e instanceof ArrowFileError) failData(path, e.reason);
    throw e;
  }
}

/**
 * Copies `rows` rows of a label-like column (a FixedSizeList of `width`, or one scalar a row) into `out` from
 * row `at` on.
 */
export function copyRows(
  vec: arrow.Vector,
  path: string,
  column: string,
  width: number,
  out: Float32Array | Uint8Array,
  at: number,
  rows: number,
): void {
  if (vec.type instanceof arrow.FixedSizeList)
    out.set(listValues(vec, path, column).values.subarray(0, rows * width), at * width);
  else for (let i = 0; i < rows; i++) out[at + i] = Number(vec.get(i));
}
