import { createRunDir } from './run-dir';

/** Jest runs this once, before any test file: the run gets a temp directory of its own. */
export default function globalSetup(): void {
  createRunDir();
}
