from hybridnlg import Candidate, ComponentConfig, Failure, Realizer, hookimpl


class PhrasesConfig(ComponentConfig):
    phrases: dict[str, str] = {}  # fact name -> predicate with {value}, e.g. "serves {value} food"


class PhrasesRealizer(Realizer):  # one sentence: the subject, then a predicate per fact

    name = "phrases"
    Config = PhrasesConfig

    def realize(self, segments):
        results = []
        for segment in segments:
            subject = segment.context.get("ref") or "It"
            predicates = [self.config.phrases.get(name, "has " + name + " {value}").format(value=fact.value)
                          for name, fact in segment.facts.items() if str(fact.value) != str(subject)]
            if not predicates:
                results.append(Failure("no fact to say about " + str(subject)))
                continue
            joined = ", ".join(predicates[:-1]) + (" and " if len(predicates) > 1 else "") + predicates[-1]
            results.append([Candidate(self.name, f"{subject} {joined}.")])
        return results


@hookimpl
def register_realizers(register, engine):
    register(PhrasesRealizer)
