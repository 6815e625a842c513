// The PyTorch peer of the training benchmark: the same architecture (bench-cbr, or Keras-layout ResNet50 /
// InceptionV3 as libs/models builds them), batch, classes and optimiser, run by Python if `torch` imports
// (Debian: python3-torch). Optional: absent Python is a skip, not an error.
import { spawnSync } from 'node:child_process';

export interface TorchResult {
  images_per_s: number;
  /** Images per CPU-second (all threads), comparable with ours on a busy machine. */
  images_per_cpu_s: number;
  threads: number;
  version: string;
  python: string;
  /** Peak resident memory of the Python process (MiB). */
  peak_rss_mib: number;
  /** Trainable parameters of its model (checked against ours: the same architecture). */
  parameters: number;
}

export const TORCH_MODELS = ['bench-cbr', 'resnet50', 'inception-v3'] as const;
export type TorchModel = (typeof TORCH_MODELS)[number];

// NCHW in PyTorch; the layers, kernel sizes, paddings, biases and batch-norm epsilons are Keras's. Keras
// 'same' padding of odd kernels = (k - 1) / 2 on each side; Keras pads ResNet50's stem explicitly (3, then 1
// before the max pool: after ReLU, zero padding and -inf padding give the same maxima).
const SCRIPT = `
import json, resource, sys, time, torch, torch.nn as nn
name = sys.argv[1]
size, channels, batch, classes, steps, warmup, threads = (int(a) for a in sys.argv[2:9])
torch.set_num_threads(threads)
torch.manual_seed(0)

def conv_bn(cin, cout, k, stride=1, pad=0, bias=True, eps=1e-3, relu=True):
    k = k if isinstance(k, tuple) else (k, k)
    pad = pad if isinstance(pad, tuple) else (pad, pad)
    layers = [nn.Conv2d(cin, cout, k, stride=stride, padding=pad, bias=bias), nn.BatchNorm2d(cout, eps=eps)]
    return nn.Sequential(*(layers + [nn.ReLU()] if relu else layers))

def same(k):
    return tuple((d - 1) // 2 for d in k)

class Bottleneck(nn.Module):
    def __init__(self, cin, f, stride, projection):
        super().__init__()
        e = 1.001e-5
        self.shortcut = conv_bn(cin, 4 * f, 1, stride, eps=e, relu=False) if projection else nn.Identity()
        self.body = nn.Sequential(conv_bn(cin, f, 1, stride, eps=e), conv_bn(f, f, 3, 1, 1, eps=e), conv_bn(f, 4 * f, 1, eps=e, relu=False))
        self.relu = nn.ReLU()
    def forward(self, x):
        return self.relu(self.shortcut(x) + self.body(x))

def resnet50():
    layers = [conv_bn(channels, 64, 7, 2, 3, eps=1.001e-5), nn.MaxPool2d(3, 2, padding=1)]
    cin = 64
    for i, (f, n) in enumerate(zip([64, 128, 256, 512], [3, 4, 6, 3])):
        for b in range(n):
            layers.append(Bottleneck(cin, f, 2 if b == 0 and i > 0 else 1, b == 0))
            cin = 4 * f
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, classes))

class Branches(nn.Module):
    def __init__(self, *branches):
        super().__init__()
        self.branches = nn.ModuleList(branches)
    def forward(self, x):
        return torch.cat([b(x) for b in self.branches], 1)

def cb(cin, cout, k, stride=1, valid=False):
    k = k if isinstance(k, tuple) else (k, k)
    block = conv_bn(cin, cout, k, stride, (0, 0) if valid else same(k), bias=False)
    block[1].weight.requires_grad_(False)  # Keras's InceptionV3 batch norm has no scale (gamma = 1, not trained)
    return block

def avg():
    return nn.AvgPool2d(3, 1, padding=1, count_include_pad=False)

def block35(cin, pool):
    return Branches(cb(cin, 64, 1), nn.Sequential(cb(cin, 48, 1), cb(48, 64, 5)),
                    nn.Sequential(cb(cin, 64, 1), cb(64, 96, 3), cb(96, 96, 3)), nn.Sequential(avg(), cb(cin, pool, 1)))

def block17(c):
    return Branches(cb(768, 192, 1), nn.Sequential(cb(768, c, 1), cb(c, c, (1, 7)), cb(c, 192, (7, 1))),
                    nn.Sequential(cb(768, c, 1), cb(c, c, (7, 1)), cb(c, c, (1, 7)), cb(c, c, (7, 1)), cb(c, 192, (1, 7))),
                    nn.Sequential(avg(), cb(768, 192, 1)))

class Split(nn.Module):
    def __init__(self, stem, a, b):
        super().__init__()
        self.stem, self.a, self.b = stem, a, b
    def forward(self, x):
        y = self.stem(x)
        return torch.cat([self.a(y), self.b(y)], 1)

def block8(cin):
    return Branches(cb(cin, 320, 1), Split(cb(cin, 384, 1), cb(384, 384, (1, 3)), cb(384, 384, (3, 1))),
                    Split(nn.Sequential(cb(cin, 448, 1), cb(448, 384, 3)), cb(384, 384, (1, 3)), cb(384, 384, (3, 1))),
                    nn.Sequential(avg(), cb(cin, 192, 1)))

def inception_v3():
    pool = lambda: nn.MaxPool2d(3, 2)
    return nn.Sequential(
        cb(channels, 32, 3, 2, True), cb(32, 32, 3, 1, True), cb(32, 64, 3), pool(), cb(64, 80, 1, 1, True), cb(80, 192, 3, 1, True), pool(),
        block35(192, 32), block35(256, 64), block35(288, 64),
        Branches(cb(288, 384, 3, 2, True), nn.Sequential(cb(288, 64, 1), cb(64, 96, 3), cb(96, 96, 3, 2, True)), pool()),
        block17(128), block17(160), block17(160), block17(192),
        Branches(nn.Sequential(cb(768, 192, 1), cb(192, 320, 3, 2, True)),
                 nn.Sequential(cb(768, 192, 1), cb(192, 192, (1, 7)), cb(192, 192, (7, 1)), cb(192, 192, 3, 2, True)), pool()),
        block8(1280), block8(2048), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2048, classes))

def bench_cbr():
    layers, c = [], channels
    for f in [32, 64, 128, 256]:
        layers += [nn.Conv2d(c, f, 5, padding=2, bias=False), nn.BatchNorm2d(f), nn.ReLU(), nn.MaxPool2d(3, 2, padding=1)]
        c = f
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, classes))

model = {'bench-cbr': bench_cbr, 'resnet50': resnet50, 'inception-v3': inception_v3}[name]()
opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
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
                  "threads": torch.get_num_threads(), "version": torch.__version__,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "parameters": sum(p.numel() for p in model.parameters() if p.requires_grad)}))
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
  model: TorchModel;
  size: number;
  channels: number;
  batch: number;
  classes: number;
  steps: number;
  warmup: number;
  threads: number;
}

/** Runs the PyTorch peer; undefined when no Python with torch is available. Throws if the run itself fails. */
export function runTorchPeer(o: TorchBenchOptions, python = findTorchPython()): TorchResult | undefined {
  if (!python) return undefined;
  const args = [o.model, ...[o.size, o.channels, o.batch, o.classes, o.steps, o.warmup, o.threads].map(String)];
  const r = spawnSync(python, ['-c', SCRIPT, ...args], { encoding: 'utf8', timeout: 60 * 60_000 });
  if (r.status !== 0)
    throw new Error(`PyTorch peer failed (${python}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const parsed = JSON.parse(r.stdout.trim().split('\n').pop()!) as Omit<TorchResult, 'python'>;
  return { ...parsed, python };
}
