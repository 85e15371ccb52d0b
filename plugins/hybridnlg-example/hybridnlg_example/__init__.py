from collections.abc import Callable, Sequence

from hybridnlg import Candidate, ComponentConfig, Failure, Realizer, RealizeResult, Segment, hookimpl


class PhrasesConfig(ComponentConfig):
    phrases: dict[str, str] = {}  # fact name -> predicate with {value}, e.g. "serves {value} food"


class PhrasesRealizer(Realizer[PhrasesConfig]):  # one sentence: the subject, then a predicate per fact
    name = "phrases"
    Config = PhrasesConfig

    def realize(self, segments: Sequence[Segment]) -> list[RealizeResult]:
        results: list[RealizeResult] = []
        for segment in segments:
            subject = segment.context.get("ref") or "It"
            predicates = [self.config.phrases.get(name, "has " + name + " {value}").format(value=fact.value)
                          for name, fact in segment.facts.items() if str(fact.value) != str(subject)]
            joined = " and ".join(filter(None, [", ".join(predicates[:-1]), *predicates[-1:]]))
            results.append([Candidate(self.name, f"{subject} {joined}.")] if predicates
                           else Failure("no fact to say about " + str(subject)))
        return results


@hookimpl
def register_realizers(register: Callable[[type], None]) -> None:
    register(PhrasesRealizer)
