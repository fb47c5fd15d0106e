import { removeRunDir } from './run-dir';

/** Jest runs this once, after every test file: the run's temp directory goes, with all it holds. */
export default function globalTeardown(): void {
  removeRunDir();
}
