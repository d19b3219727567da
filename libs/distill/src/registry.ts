import { DistillMethod } from './distill-method';
import { MethodRegistryError } from './errors';
import { abMethod } from './methods/ab';
import { atMethod } from './methods/at';
import { fitnetsMethod } from './methods/fitnets';
import { fspMethod } from './methods/fsp';
import { jacobianMethod } from './methods/jacobian';
import { kdMethod } from './methods/kd';

const methods = new Map<string, DistillMethod>();

/** Adds a method; a name already registered is an error (ALREADY_EXISTS). */
export function registerMethod(method: DistillMethod): void {
  if (typeof method.name !== 'string' || method.name.length === 0) {
    throw new MethodRegistryError(
      `registerMethod: a method needs a non-empty name`,
      'ALREADY_EXISTS',
    );
  }
  if (methods.has(method.name)) {
    throw new MethodRegistryError(
      `distillation method '${method.name}' is already registered`,
      'ALREADY_EXISTS',
    );
  }
  methods.set(method.name, method);
}

/** The method called `name`; an unknown name is an error listing the known ones (NOT_FOUND). */
export function getMethod(name: string): DistillMethod {
  const m = methods.get(name);
  if (!m) {
    throw new MethodRegistryError(
      `unknown distillation method '${name}' (known: ${listMethods().join(', ')})`,
      'NOT_FOUND',
    );
  }
  return m;
}

/** Names of the registered methods, sorted. */
export function listMethods(): string[] {
  return [...methods.keys()].sort();
}

// The built-in methods are registered when the library is loaded.
registerMethod(abMethod);
registerMethod(kdMethod);
// The AB paper's baselines (docs/design.md §3 (Baselines)): FitNets, AT, FSP, Jacobian matching, each "+ KD".
registerMethod(fitnetsMethod);
registerMethod(atMethod);
registerMethod(fspMethod);
registerMethod(jacobianMethod);
