import { memoryFixture } from './fixture.js';
import { storageContract } from './storage-contract.js';

storageContract('memory', async (clock) => memoryFixture(clock), null);
