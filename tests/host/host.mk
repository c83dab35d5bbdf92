host-test:
