// Sign-in, users, device keys and the audit log.
import { Type } from 'typebox';
import { USER_ROLES } from '../../domain/identity.js';
import { WellIdSchema } from '../../domain/validation.js';
import { IsoTime, literals, Nullable, NullableIsoTime, NullableString, OpenObject } from './common.js';

export const UserView = Type.Object({ username: Type.String(), role: Type.String({ description: 'admin, engineer, viewer, or device for a device key' }) });

export const TokenResponse = Type.Object({
  success: Type.Boolean(),
  access_token: Type.String(),
  refresh_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer(),
  user: UserView,
});
export const LogoutResponse = Type.Object({ success: Type.Boolean(), revoked: Type.Boolean({ description: 'false when the token was unknown or already revoked' }) });
export const MeResponse = Type.Object({ success: Type.Boolean(), user: UserView });

export const PublicUserSchema = Type.Object({ username: Type.String(), role: literals(USER_ROLES), created_at: IsoTime, updated_at: IsoTime });
export const UserCreatedResponse = Type.Object({ success: Type.Boolean(), user: PublicUserSchema });
export const UserListResponse = Type.Object({ success: Type.Boolean(), count: Type.Integer(), users: Type.Array(PublicUserSchema) });
export const UserDeletedResponse = Type.Object({ success: Type.Boolean(), username: Type.String(), deleted: Type.Boolean() });

const KeyScope = {
  wells: Nullable(Type.Array(Type.String(), { description: 'the wells the key may write' })),
  field: NullableString('the field whose wells the key may write'),
};
export const PublicKeySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Type.Literal('device'),
  ...KeyScope,
  created_at: IsoTime,
  created_by: NullableString(),
  last_used_at: NullableIsoTime(),
  revoked_at: NullableIsoTime(),
});
export const KeyCreatedResponse = Type.Object({
  success: Type.Boolean(),
  key: Type.String({ description: 'the secret: shown only in this response' }),
  id: Type.String(),
  name: Type.String(),
  role: Type.Literal('device'),
  ...KeyScope,
  created_at: IsoTime,
});
export const KeyListResponse = Type.Object({ success: Type.Boolean(), count: Type.Integer(), keys: Type.Array(PublicKeySchema) });
export const KeyRevokedResponse = Type.Object({
  success: Type.Boolean(),
  id: Type.String(),
  name: Type.String(),
  revoked: Type.Boolean(),
  revoked_at: NullableIsoTime(),
});

export const AuditEntrySchema = Type.Object({
  id: Type.Integer(),
  ts: IsoTime,
  actor: NullableString(),
  role: NullableString(),
  action: Type.String(),
  target: NullableString(),
  method: NullableString(),
  path: NullableString(),
  status: Type.Union([Type.Integer(), Type.Null()]),
  ip: NullableString(),
  request_id: NullableString(),
  details: Type.Union([OpenObject(), Type.Null()]),
});
export const AuditListResponse = Type.Object({ success: Type.Boolean(), count: Type.Integer(), entries: Type.Array(AuditEntrySchema) });

// ---- requests: sign-in, users, keys, audit filters

export const LoginBody = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 256 }), password: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
);
export const RefreshBody = Type.Object({ refresh_token: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false });
export const CreateUserBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64, description: '1–64 printable characters without "/", "\\" or ":"' }),
    password: Type.String({ minLength: 8, maxLength: 512 }),
    role: Type.Union([Type.Literal('admin'), Type.Literal('engineer'), Type.Literal('viewer')]),
  },
  { additionalProperties: false },
);
export const UsernameParams = Type.Object({ username: Type.String({ minLength: 1, maxLength: 64 }) });
export const CreateKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128 }),
    wells: Type.Optional(Type.Array(WellIdSchema, { minItems: 1, maxItems: 10_000 })),
    field: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
export const KeyParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{16}$' }) });
export const AuditQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 100 })),
  actor: Type.Optional(Type.String({ maxLength: 256 })),
  action: Type.Optional(Type.String({ maxLength: 128 })),
  before: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'entries older than this id (paging)' })),
});
