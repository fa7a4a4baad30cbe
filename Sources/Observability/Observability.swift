/// Metrics (Prometheus page, CloudWatch EMF) and the status socket.
enum Observability {}
