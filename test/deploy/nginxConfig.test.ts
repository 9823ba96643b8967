import { rmSync } from 'node:fs';
import t from 'tap';
import { nginxConfigTest, renderNginx } from './helpers/NginxServer.js';

const vars = {
  NGINX_PORT: '127.0.0.1:18080',
  GATEWAY_UPSTREAM: '127.0.0.1:18081',
  BODY_LIMIT_BYTES: '1048576',
  NGINX_RESOLVER: '127.0.0.1:5353',
  VOICE_INSTANCE_SUFFIX: '.voice-channels-pods.driftway.svc.cluster.local',
  VOICE_UPSTREAM_PORT: '8082',
};

/** The server-level directives of the rendered site, without comments, for exact checks. */
function directives(site: string): string[] {
  return site
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line.length > 0);
}

t.test('the edge template rendered with every variable set passes nginx -t', async (t) => {
  const rendered = renderNginx(vars);
  t.teardown(() => rmSync(rendered.dir, { recursive: true, force: true }));
  const result = nginxConfigTest(rendered);
  t.ok(result.ok, result.output);
  t.match(result.output, /test is successful/);
});

t.test('rendering substitutes every template variable and leaves nginx variables alone', async (t) => {
  const rendered = renderNginx(vars);
  t.teardown(() => rmSync(rendered.dir, { recursive: true, force: true }));
  t.notMatch(rendered.site, /\$\{[A-Z_]+\}/, 'no template variable is left for nginx to choke on');
  const lines = directives(rendered.site);
  t.ok(lines.includes('listen 127.0.0.1:18080 default_server;'));
  t.ok(lines.includes('server 127.0.0.1:18081 max_fails=3 fail_timeout=10s;'));
  t.ok(lines.includes('client_max_body_size 1048576;'), 'the body limit is the gateway BODY_LIMIT_BYTES');
  t.ok(lines.includes('proxy_set_header X-Forwarded-For $remote_addr;'));
});

t.test(
  'a template variable left unset makes nginx -t fail instead of starting half-configured',
  async (t) => {
    // Unset, not empty: the image's envsubst then leaves the placeholder in the file.
    const { BODY_LIMIT_BYTES: _unset, ...partial } = vars;
    const rendered = renderNginx(partial as typeof vars);
    t.match(rendered.site, /client_max_body_size \$\{BODY_LIMIT_BYTES\};/);
    t.teardown(() => rmSync(rendered.dir, { recursive: true, force: true }));
    const result = nginxConfigTest(rendered);
    t.notOk(result.ok);
    t.match(result.output, /client_max_body_size/);
  },
);

t.test('the edge overwrites forwarding headers and strips identity headers for every location', async (t) => {
  const rendered = renderNginx(vars);
  t.teardown(() => rmSync(rendered.dir, { recursive: true, force: true }));
  const lines = directives(rendered.site);
  t.notOk(
    lines.some((l) => l.includes('$proxy_add_x_forwarded_for')),
    'a client-supplied X-Forwarded-For chain is never appended to',
  );
  for (const header of ['X-Driftway-Identity', 'X-User-Id']) {
    t.ok(lines.includes(`proxy_set_header ${header} "";`), `${header} is removed`);
  }
  // nginx inherits proxy_set_header only into blocks that set none themselves: one block sets them all.
  const inLocations = rendered.site
    .split(/\n\s*location /)
    .slice(1)
    .filter((block) => block.includes('proxy_set_header'));
  t.same(inLocations, [], 'no location overrides (and so drops) the server-level headers');
  t.ok(lines.includes('server_tokens off;'));
  t.ok(lines.includes('keepalive 64;'), 'upstream connections are kept alive');
});
