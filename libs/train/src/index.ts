export const name = 'libs/train';
