import type { AdminDeps } from "./admin.ts";
import { ValidationError } from "./errors.ts";
import { isName } from "./task-options.ts";

function checkTask(name: unknown): string {
  if (!isName(name))
    throw new ValidationError(
      `A task name must be a non-empty string, got ${JSON.stringify(name)}.`,
    );
  return name;
}

/** `errand.tasks`: pause and resume one task in every queue and process. */
export class TasksAdmin {
  constructor(private readonly deps: Pick<AdminDeps, "store">) {}

  /** Stops workers everywhere from starting this task's jobs; running ones finish. */
  async pause(name: string): Promise<void> {
    await (await this.deps.store()).pause({ task: checkTask(name) });
  }

  /** Lets workers start this task's jobs again. */
  async resume(name: string): Promise<void> {
    await (await this.deps.store()).resume({ task: checkTask(name) });
  }

  /** True while the task is paused. */
  async isPaused(name: string): Promise<boolean> {
    return (await (await this.deps.store()).pausedTasks()).includes(checkTask(name));
  }
}
