package twofetch

import "context"

type tenantKey struct{}

// NewContextWithTenant returns ctx carrying the authenticated tenant. The
// web package's auth middleware sets it; handlers mounted from other
// packages read it with TenantFromContext, so they need not import web.
func NewContextWithTenant(ctx context.Context, t *Tenant) context.Context {
	return context.WithValue(ctx, tenantKey{}, t)
}

// TenantFromContext returns the authenticated tenant, or nil.
func TenantFromContext(ctx context.Context) *Tenant {
	t, _ := ctx.Value(tenantKey{}).(*Tenant)
	return t
}
