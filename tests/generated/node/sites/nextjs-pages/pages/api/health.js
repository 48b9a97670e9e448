export default function health(req, res) {
  res.status(200).send('ok');
}
