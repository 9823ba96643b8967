// The route options and request.identity are declared once, in common, for every HTTP service.
export type { RouteAccess } from '@driftway/common';
