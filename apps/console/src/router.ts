import { useEffect, useState } from 'preact/hooks';

export const BASE = '/console';

/** The path inside the console ('/', '/jobs/…'), from the browser's location. */
export function currentPath(): string {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : location.pathname;
  return path === '' ? '/' : path;
}

export function navigate(path: string): void {
  history.pushState(null, '', BASE + path);
  dispatchEvent(new PopStateEvent('popstate'));
}

/** Re-renders on navigation (links, back and forward). */
export function useRoute(): { path: string; search: URLSearchParams } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const update = () => setTick((n) => n + 1);
    addEventListener('popstate', update);
    return () => removeEventListener('popstate', update);
  }, []);
  return { path: currentPath(), search: new URLSearchParams(location.search) };
}

/** An in-app link: a real href (open in a new tab works), client-side navigation on a plain click. */
export function linkProps(path: string) {
  return {
    href: BASE + path,
    onClick: (event: MouseEvent) => {
      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      event.preventDefault();
      navigate(path);
    },
  };
}
