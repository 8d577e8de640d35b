"""An optimizer and the parameters it steps: the binding, explicit.

An optimizer keeps state *per parameter* (SGD's velocities, Adam's moments,
stored under the parameter names W1, b1, ...).  That state belongs to one
network: a velocity of W1 learned on one network is meaningless for
another's W1.  So an optimizer is bound to one parameter dict:

* ``Optimizer.bound_params`` is None until the first ``step``;
* the first ``step(params, grads)`` checks ``grads`` against ``params`` in
  full and binds: ``bound_params = params`` (the dict itself, not a copy);
* every later step checks in O(1) that it gets that same dict (``is``) and
  as many gradients; the full gradient check runs again only when that fails,
  so that its error names what is wrong;
* a step on another dict is an error: make one optimizer per network.

Both twins' optimizers (and the engine's) call ``check_bound`` first thing
in ``step``; it is the only code that reads or writes ``bound_params``.
"""


def check_bound(optimizer, params, grads, check_grads):
    """Bind ``optimizer`` to ``params`` at its first step; afterwards, refuse any other parameter dict.

    ``check_grads(params, grads)`` is the twin's full check of the gradients'
    names and shapes (it raises ValueError naming the mismatch).
    """
    bound = optimizer.bound_params
    if bound is None:
        check_grads(params, grads)
        optimizer.bound_params = params
        return
    if params is not bound:
        raise ValueError("this %s already steps another network's parameters (it was bound to them at "
                         "its first step): make one optimizer per network" % type(optimizer).__name__)
    if not isinstance(grads, dict) or len(grads) != len(params):
        check_grads(params, grads)
