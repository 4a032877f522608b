#!/usr/bin/env node
/** `kubectl_complete-hostnet WORDS...`: what kubectl runs to complete `kubectl hostnet WORDS`. */
process.argv.splice(2, 0, '__complete');
await import('./main.js');
