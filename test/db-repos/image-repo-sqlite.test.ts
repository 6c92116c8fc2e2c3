/** The image-repository suites against sqlite (in memory). */
import { imageRepoCrudSuite } from './image-repo-crud.suite.js';
import { imageRepoListSuite } from './image-repo-list.suite.js';
import { imageRepoVisibilitySuite } from './image-repo-visibility.suite.js';
import { skipReason } from './image-fixtures.js';
import { usageRepoSuite } from './usage-repo.suite.js';

const skip = await skipReason('sqlite');
imageRepoCrudSuite('sqlite', skip);
imageRepoListSuite('sqlite', skip);
imageRepoVisibilitySuite('sqlite', skip);
usageRepoSuite('sqlite', skip);
