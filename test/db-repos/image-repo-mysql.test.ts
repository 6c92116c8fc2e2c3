/** The image-repository suites against mysql (skipped when the server is unreachable). */
import { imageRepoCrudSuite } from './image-repo-crud.suite.js';
import { imageRepoListSuite } from './image-repo-list.suite.js';
import { imageRepoVisibilitySuite } from './image-repo-visibility.suite.js';
import { skipReason } from './image-fixtures.js';
import { usageRepoSuite } from './usage-repo.suite.js';

const skip = await skipReason('mysql');
imageRepoCrudSuite('mysql', skip);
imageRepoListSuite('mysql', skip);
imageRepoVisibilitySuite('mysql', skip);
usageRepoSuite('mysql', skip);
