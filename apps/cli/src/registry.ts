import { execStage } from '@transfusion/pipeline';
import type { AnyStage } from '@transfusion/pipeline';

/** The stages `transfusion run` knows by default. `--registry MODULE` replaces this list with a user's own. */
export const stages: AnyStage[] = [execStage];
