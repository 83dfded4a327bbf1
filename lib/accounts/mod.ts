/**
 * Accounts (layer 3): users, their passwords (Argon2id on a low-priority thread), sessions,
 * personal access tokens, bots, password and OAuth sign-in, linked identities, and the events
 * that end an account's sockets.
 */
export {
  type Account,
  createUser,
  createUserWithoutPassword,
  deletedUser,
  deleteUserRecord,
  displayNameSchema,
  getAccountByUsername,
  getActiveUserById,
  getUsersByIds,
  getUsersByUsernames,
  listAccounts,
  passwordSchema,
  searchUsers,
  setPassword,
  updateAccountFlags,
  type User,
  usernameSchema,
  userOf,
  userRecordKey,
  withProfilesMoved,
} from "./users.ts";
export { hashPassword, passwordHashing, timingSafeEqual } from "./passwords.ts";
export {
  createSession,
  getUserBySession,
  listSessions,
  liveSessionIds,
  revokeAllSessions,
  revokeSession,
  revokeSessionById,
  sessionIdOf,
  type SessionInfo,
} from "./sessions.ts";
export { authenticate } from "./sign_in.ts";
export {
  type LinkedIdentity,
  linkIdentity,
  listIdentities,
  signInWithIdentity,
  unlinkAllIdentities,
} from "./identities.ts";
export {
  beginAuthorization,
  completeAuthorization,
  findProvider,
  listProviders,
  OAUTH_STATE_TTL_MS,
  type OAuthState,
  type ProviderInfo,
} from "./oauth.ts";
export { AccountEventWatcher, publishAccountEvent } from "./events.ts";
export { type Admission, awaitingFirstAccount } from "./founding.ts";
export {
  createInvite,
  findInviteByCode,
  type Invite,
  INVITE_DEFAULTS,
  INVITE_INVALID_MESSAGE,
  inviteCreateSchema,
  inviteUsable,
  listInvites,
  revokeInvite,
} from "./invites.ts";
export { admissionFor } from "./registration.ts";
export {
  cachedSiteSettings,
  getSiteSettings,
  type Registration,
  registrationSchema,
  type SiteSettings,
  type SiteSettingsPatch,
  siteSettingsPatchSchema,
  updateSiteSettings,
} from "./site.ts";
export {
  CONFIRM_TTL_MS,
  confirmEmail,
  emailAddressSchema,
  type EmailRecord,
  type EmailState,
  findUserIdByEmail,
  getConfirmedEmails,
  getEmailRecord,
  getEmailState,
  linkBase,
  removeEmail,
  requestEmail,
  setEmailNotifications,
  unsubscribeByToken,
  unsubscribeToken,
} from "./email.ts";
export {
  checkResetToken,
  completePasswordReset,
  requestPasswordReset,
  RESET_JOB_PREFIX,
  RESET_QUEUE,
  RESET_TTL_MS,
  type ResetRequest,
  runResetRequest,
} from "./reset.ts";
export {
  createToken,
  DEFAULT_TOKEN_DAYS,
  getUserByToken,
  listTokens,
  liveTokenIds,
  MAX_TOKEN_DAYS,
  MAX_TOKENS,
  revokeAllTokens,
  revokeToken,
  tokenDaysSchema,
  tokenIdOfSession,
  type TokenInfo,
  tokenNameSchema,
  tokenSessionId,
} from "./tokens.ts";
export { type BotInfo, createBot, deleteBot, listBots, MAX_BOTS, refuseBots } from "./bots.ts";
