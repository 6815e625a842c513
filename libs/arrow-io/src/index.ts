export const name = 'libs/arrow-io';
