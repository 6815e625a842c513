export const name = 'bench';
