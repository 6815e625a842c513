// The PyTorch peer of the training benchmark: the same bench-cbr architecture, batch and optimiser,
// run by Python if `torch` imports (Debian: python3-torch). Optional: absent Python is a skip, not an error.
import { spawnSync } from 'node:child_process';

export interface TorchResult {
  images_per_s: number;
  /** Images per CPU-second (all threads), comparable with ours on a busy machine. */
  images_per_cpu_s: number;
  threads: number;
  version: string;
  python: string;
}

const SCRIPT = String.raw`
import json, sys, time, torch, torch.nn as nn
size, channels, batch, classes, steps, warmup, threads = (int(a) for a in sys.argv[1:8])
filters = [int(f) for f in sys.argv[8].split(',')]
torch.set_num_threads(threads)
torch.manual_seed(0)
layers, c = [], channels
for f in filters:
    layers += [nn.Conv2d(c, f, 5, padding=2, bias=False), nn.BatchNorm2d(f), nn.ReLU(), nn.MaxPool2d(3, 2, padding=1)]
    c = f
model = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, classes))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
x = torch.randn(batch, channels, size, size)
y = torch.randint(0, classes, (batch,))
loss_fn = nn.CrossEntropyLoss()
model.train()
def step():
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()
for _ in range(warmup):
    step()
t, c = time.perf_counter(), time.process_time()
for _ in range(steps):
    step()
dt, dc = time.perf_counter() - t, time.process_time() - c
print(json.dumps({"images_per_s": batch * steps / dt, "images_per_cpu_s": batch * steps / dc,
                  "threads": torch.get_num_threads(), "version": torch.__version__}))
`;

/** Interpreters to try: $TRANSFUSION_PYTHON, then python3 on PATH, then Debian's /usr/bin/python3. */
export function pythonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const list = [env['TRANSFUSION_PYTHON'], 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  return [...new Set(list)];
}

/** The first interpreter that can import torch, or undefined. */
export function findTorchPython(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const py of pythonCandidates(env)) {
    const r = spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore', timeout: 60_000 });
    if (r.status === 0) return py;
  }
  return undefined;
}

export interface TorchBenchOptions {
  size: number;
  channels: number;
  batch: number;
  classes: number;
  filters: number[];
  steps: number;
  warmup: number;
  threads: number;
}

/** Runs the PyTorch peer; undefined when no Python with torch is available. Throws if the run itself fails. */
export function runTorchPeer(o: TorchBenchOptions, python = findTorchPython()): TorchResult | undefined {
  if (!python) return undefined;
  const args = [o.size, o.channels, o.batch, o.classes, o.steps, o.warmup, o.threads].map(String);
  const r = spawnSync(python, ['-c', SCRIPT, ...args, o.filters.join(',')], { encoding: 'utf8', timeout: 30 * 60_000 });
  if (r.status !== 0) throw new Error(`PyTorch peer failed (${python}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const parsed = JSON.parse(r.stdout.trim().split('\n').pop()!) as Omit<TorchResult, 'python'>;
  return { ...parsed, python };
}
