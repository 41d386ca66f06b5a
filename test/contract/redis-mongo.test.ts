import { skipUnlessServices } from '../helpers/services.js';
import { redisMongoFixture, servicesMissing } from './fixture.js';
import { NOW, storageContract } from './storage-contract.js';

const skip = skipUnlessServices('storage contract: redis+mongo', servicesMissing());
storageContract('redis+mongo', (clock) => redisMongoFixture(clock), skip === false ? null : skip);
export { NOW };
