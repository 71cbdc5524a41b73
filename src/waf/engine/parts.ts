/** The engine's default field extractors and transformation chains (src/waf/engine/fields, transforms). */
import { compileField } from './fields/index.js';
import type { EngineParts } from './statements/types.js';
import { compileChain } from './transforms/index.js';

export const defaultParts: EngineParts = { compileField, compileChain };
