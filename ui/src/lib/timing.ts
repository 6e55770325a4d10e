// Timers for the UI: debounce (search as you type) and throttle (engine change events).
// Pure, no engine knowledge; unit-tested in timing.test.ts.

export type Timed = { (): void; cancel(): void; flush(): void };

/** Calls `f` once `ms` have passed without another call. */
export function debounce(f: () => void, ms: number): Timed {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fire = () => {
    timer = undefined;
    f();
  };
  const d = (() => {
    clearTimeout(timer);
    timer = setTimeout(fire, ms);
  }) as Timed;
  d.cancel = () => {
    clearTimeout(timer);
    timer = undefined;
  };
  d.flush = () => {
    if (timer !== undefined) {
      clearTimeout(timer);
      fire();
    }
  };
  return d;
}

/** Calls `f` at once, then at most once every `ms`: calls in between fold into one at the end. */
export function throttle(f: () => void, ms: number): Timed {
  let last = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fire = () => {
    timer = undefined;
    last = Date.now();
    f();
  };
  const t = (() => {
    if (timer !== undefined) return;
    const wait = last + ms - Date.now();
    if (wait <= 0) fire();
    else timer = setTimeout(fire, wait);
  }) as Timed;
  t.cancel = () => {
    clearTimeout(timer);
    timer = undefined;
  };
  t.flush = () => {
    if (timer !== undefined) {
      clearTimeout(timer);
      fire();
    }
  };
  return t;
}
