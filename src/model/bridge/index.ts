/** The Linux bridge model: kernel history and mask checks, the bridge as the model sees it, frame handling. */
export * from './kernel.js';
export * from './view.js';
export * from './forward.js';
