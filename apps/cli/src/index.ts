export const name = 'apps/cli';
