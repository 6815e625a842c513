/** The stages `transfusion run` knows by default: the study's (libs/study). `--registry MODULE` replaces them. */
export { stages } from '@transfusion/study/registry';
