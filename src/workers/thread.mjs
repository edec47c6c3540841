// A worker thread's entry: the TypeScript sources run through tsx's loader, as bin/switchyard.js does.
import { register } from 'tsx/esm/api';

register();
await import('./worker-thread.ts');
