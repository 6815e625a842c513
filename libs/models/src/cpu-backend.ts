import * as tf from '@tensorflow/tfjs';

/** The cpu backend, with prod mode silencing tfjs's "install tfjs-node" banner (it cannot be installed offline). */
export async function useCpuBackend(): Promise<void> {
  tf.enableProdMode();
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
}
