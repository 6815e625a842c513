// Training throughput of the reference CNN or a full-width zoo model on the chosen backend, optionally next to
// PyTorch. The work is done by @transfusion/train's runTrainBenchmark; this adds the zoo models of @transfusion/models.
import { buildModel } from '@transfusion/models';
import { releaseBackend, runTrainBenchmark, type TrainBenchOptions, type TrainBenchResult } from '@transfusion/train';

/** Runs the training benchmark (options validated by runTrainBenchmark's schema); `log` receives progress lines. */
export async function benchTrain(options: TrainBenchOptions, log: (line: string) => void): Promise<TrainBenchResult> {
  try {
    return await runTrainBenchmark(
      options,
      log,
      ({ model, size, channels, classes }) =>
        buildModel({
          name: model as 'resnet50' | 'inception-v3',
          inputSize: size,
          channels,
          classes,
          headActivation: 'linear',
        }).model,
    );
  } finally {
    releaseBackend(); // wasm worker threads must not keep the process alive
  }
}
