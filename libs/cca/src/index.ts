export const name = 'libs/cca';
