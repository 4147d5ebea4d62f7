export { createMailOutboxService, type MailOutboxService, type ResolvedMail } from './mail-outbox.service';
export {
  describeDuration,
  type MailContent,
  type MailTemplate,
  renderMail,
  type SecondFactorChange,
  type SignInChange,
  type SignInProviderChange,
} from './mail-templates';
export { createMailTransport } from './mail-transport';
export { OUTBOX_STATUSES, type OutboxMessageRecord } from './outbox-message.model';
export { createOutboxJob } from './outbox.job';
