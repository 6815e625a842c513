import * as tf from '@tensorflow/tfjs';

// Tests run on the reference cpu backend: deterministic and available everywhere.
await tf.setBackend('cpu');
