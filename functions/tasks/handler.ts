import { ApplicationWithdrawn } from '../../events/applications.js';
import { GrantCreditListed } from '../../events/grants.js';
import { eventBridgePublisher } from '../shared/aws/event-bridge.js';
import { stepFunctionsEngine } from '../shared/aws/step-functions.js';
import { baseDeps, type Deps } from '../shared/deps.js';
import { dutyHandler } from '../shared/duty.js';
import { tasksRoutes } from './routes.js';
import { cancelSubjectTasks, openCreditListingReview, openTaskStep, sweepDeadlines } from './service.js';

export const createHandler = (deps: Deps) =>
  dutyHandler(
    'tasks',
    {
      routes: tasksRoutes,
      steps: { openTask: openTaskStep },
      schedules: { 'review-task-deadlines': sweepDeadlines },
      events: {
        // Art. 9: a running grantee put on the credit list: the authority's review task.
        [GrantCreditListed.detailType]: (event, { deps: d, requestId }) =>
          openCreditListingReview(GrantCreditListed.parse(event.detail), d, requestId),
        // A withdrawn application's pending tasks are cancelled and its waiting step fails, ending the workflow.
        [ApplicationWithdrawn.detailType]: async (event, { deps: d, requestId }) => {
          const detail = ApplicationWithdrawn.parse(event.detail);
          await cancelSubjectTasks(
            d,
            requestId,
            { type: 'application', id: detail.applicationId },
            {
              error: 'ApplicationWithdrawn',
              reason: detail.reason ?? 'The applicant withdrew the application',
            },
          );
        },
      },
    },
    deps,
  );

export const handler = createHandler({
  ...baseDeps('tasks'),
  events: eventBridgePublisher(),
  workflows: stepFunctionsEngine(),
});
