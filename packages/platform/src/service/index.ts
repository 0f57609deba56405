export * from './config.js';
export * from './database.js';
export * from './network.js';
export * from './package-version.js';
export * from './pagination.js';
export * from './periodic-job.js';
export * from './start-service.js';
