export const name = 'libs/pipeline';
