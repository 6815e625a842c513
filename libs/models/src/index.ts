export const name = 'libs/models';
