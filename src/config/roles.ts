/** Roles in ascending order of power. */
export const ROLES = ['user', 'moderator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'users:read',
  'users:delete',
  'roles:assign',
  'status:assign',
  'sessions:read',
  'sessions:revoke',
  'audit:read',
  'keys:manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/**
 * The permission matrix: what each role may do to other people's resources.
 * Owners reach their own resources through `allowOwnerOr`, whatever their role.
 * Adding a role is one line here plus its name in ROLES.
 */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  user: [],
  moderator: ['users:read', 'sessions:read', 'audit:read'],
  admin: ['users:read', 'users:delete', 'roles:assign', 'status:assign', 'sessions:read', 'sessions:revoke', 'audit:read', 'keys:manage'],
};

export function roleHasPermission(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}
