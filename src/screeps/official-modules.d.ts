// The official packages ship no types: `official.ts` types the members it uses.
declare module '@screeps/driver' {
  const driver: import('./official.js').OfficialDriver;
  export = driver;
}
