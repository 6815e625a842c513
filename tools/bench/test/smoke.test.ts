import { expect, test } from 'vitest';
import { name } from '../src/index.js';
test('x', () => expect(name).toBeTruthy());
