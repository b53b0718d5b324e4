"""course_utils.train: one optimiser step behind every loop, and every loop leaves the model in
eval mode."""
import torch

from course_utils import train
from course_utils.models import CharLM


def test_training_step_is_zero_grad_backward_clip_step():
    torch.manual_seed(0)
    a, b = torch.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    b.load_state_dict(a.state_dict())
    x = torch.randn(8, 3) * 50
    opt_a, opt_b = torch.optim.SGD(a.parameters(), lr=0.1), torch.optim.SGD(b.parameters(), lr=0.1)
    value = train.training_step(a, opt_a, a(x).pow(2).mean(), clip=0.5)
    loss = b(x).pow(2).mean()
    opt_b.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(b.parameters(), 0.5)
    opt_b.step()
    assert value == loss.item()
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_every_loop_leaves_the_model_in_eval_mode():
    torch.manual_seed(0)
    model = CharLM(5, embed_size=4, hidden_size=8, layers=1)
    train.train_tbptt(model, torch.randint(5, (400,)), steps=2, batch=4, seq=10)
    assert not model.training
    model.train()
    train.train_steps(model, lambda step: model(torch.randint(5, (2, 6)))[0].mean(), steps=2)
    assert not model.training
    model.train()
    train.train_one_cycle(model, lambda m, step: m(torch.randint(5, (2, 6)))[0].mean(), steps=2,
                          lr=1e-3)
    assert not model.training
    classifier = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0))
    train.fit_classifier(classifier, torch.randn(10, 3), torch.randint(2, (10,)), epochs=1)
    assert not classifier.training
