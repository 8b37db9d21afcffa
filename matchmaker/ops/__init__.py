"""Operations endpoints for load balancers and monitors: liveness and readiness."""
