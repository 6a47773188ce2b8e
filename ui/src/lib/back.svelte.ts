// The Android back button (and Escape on desktop): closes the top dialog first, then goes back one screen.
const closers: Array<() => void> = [];
let screenBack: () => boolean = () => false;

/** Registers a dialog's close action while it is open; returns the unregistration. */
export function pushCloser(close: () => void): () => void {
  closers.push(close);
  return () => {
    const i = closers.lastIndexOf(close);
    if (i >= 0) closers.splice(i, 1);
  };
}

/** Sets what going back a screen does (returns false when there is no screen to go back to). */
export function setScreenBack(f: () => boolean) {
  screenBack = f;
}

/** One press of back. Returns false when nothing was left to close or leave. */
export function back(): boolean {
  const close = closers[closers.length - 1];
  if (close) {
    close();
    return true;
  }
  return screenBack();
}
