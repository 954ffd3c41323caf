/**
 * Replaces a method on this one object (never its prototype) with `wrap(original)`, and returns
 * the undo. The undo puts back exactly what was there (an own property, or none so the
 * prototype's shows through again), and only if the method is still ours: whoever patched it
 * after us keeps their patch. A wrapper someone kept a reference to should pass calls through
 * once undone; `patchMethod` cannot take it back.
 */
export function patchMethod<T extends object, K extends keyof T>(target: T, key: K, wrap: (original: T[K]) => T[K]): () => void {
  const hadOwn = Object.hasOwn(target, key)
  const original = target[key]
  const wrapper = wrap(original)
  target[key] = wrapper
  return () => {
    if (target[key] !== wrapper) return
    if (hadOwn) target[key] = original
    else delete target[key]
  }
}

/** Runs every undo once, the last added first (an undo that throws does not stop the others). */
export function undoAll(undos: Array<() => void>): void {
  let failure: unknown
  for (const undo of undos.splice(0).reverse()) {
    try {
      undo()
    } catch (error) {
      failure ??= error
    }
  }
  if (failure !== undefined) throw failure
}
