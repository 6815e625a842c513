export const name = 'libs/data';
