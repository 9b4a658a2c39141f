import express from 'express';
import { reportReady, timeRequests } from '../lib/child';

/** The adapter's ceiling: Express 5 with express.json() that only echoes the body. */
const app = express();
app.use(express.json());
app.post('/actions/:action', (req, res) => {
  res.status(202).json(req.body as unknown);
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  reportReady(typeof address === 'object' && address ? address.port : 0);
});
timeRequests(server);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
