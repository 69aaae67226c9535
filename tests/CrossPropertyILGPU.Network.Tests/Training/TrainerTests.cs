using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Network.Spec;
using CrossPropertyILGPU.Network.Training;

namespace CrossPropertyILGPU.Network.Tests.Training;

public sealed class TrainerTests : NetworkTestBase
{
    private static readonly LayerSpec[] SmallNet = [new DenseSpec(32, true), new DenseSpec(16, true), new DenseSpec(1, false)];

    /// <summary>
    /// y = 2x0 − x1 + 0.5·x2·x3 on U(0,1)⁴ has a standard deviation of about 0.63 and the mean
    /// predictor's MAE is about 0.5; a 4→32→16→1 ReLU net trained with Adam (lr 1e-2, 60 epochs)
    /// must get below 0.05 on held-out data.
    /// </summary>
    [Test]
    public void Fit_TinyNetOnSyntheticFunction_LearnsBelowThreshold()
    {
        using var model = new Sequential(Backend, 4, SmallNet, maxRows: 64);
        model.InitializeGlorotUniform(seed: 1);
        var trainer = new Trainer(model, new TrainerOptions { LearningRate = 1e-2f, MaxEpochs = 60, Patience = 60, BatchSize = 32 });
        var result = trainer.Fit(Synthetic(512, 4, seed: 10), Synthetic(128, 4, seed: 11));

        var test = Synthetic(256, 4, seed: 12);
        var meanPredictorMae = test.Targets.Select(t => Math.Abs(t - test.Targets.Average())).Average();
        Assert.That(meanPredictorMae, Is.GreaterThan(0.3), "the task is not trivial");
        Assert.That(trainer.MeanAbsoluteError(test), Is.LessThan(0.05), $"stopped: {result.StopReason} after {result.Epochs} epochs");
        Assert.That(result.History[^1].TrainLoss, Is.LessThan(result.History[0].TrainLoss / 4));
    }

    [Test]
    public void Fit_EarlyStopping_RestoresTheBestEpochsWeights()
    {
        using var model = new Sequential(Backend, 4, SmallNet, maxRows: 64);
        model.InitializeGlorotUniform(seed: 2);
        // A learning rate this large makes validation MAE bounce, so patience triggers.
        var trainer = new Trainer(model, new TrainerOptions { LearningRate = 0.3f, MaxEpochs = 200, Patience = 3, BatchSize = 16 });
        var validation = Synthetic(64, 4, seed: 21);
        var result = trainer.Fit(Synthetic(128, 4, seed: 20), validation);

        Assert.That(result.StopReason, Is.EqualTo("early-stopping"));
        Assert.That(result.Epochs, Is.EqualTo(result.BestEpoch + 3));
        Assert.That(result.BestValidationMae, Is.EqualTo(result.History.Min(h => h.ValidationMae)));
        Assert.That(trainer.MeanAbsoluteError(validation), Is.EqualTo(result.BestValidationMae).Within(1e-6), "best weights restored");
    }

    [Test]
    public void Fit_TimeLimit_StopsEarly()
    {
        using var model = new Sequential(Backend, 4, SmallNet, maxRows: 64);
        model.InitializeGlorotUniform(seed: 3);
        var trainer = new Trainer(model, new TrainerOptions { MaxEpochs = 100_000, Patience = 100_000, TimeLimit = TimeSpan.FromMilliseconds(300) });
        var result = trainer.Fit(Synthetic(256, 4, seed: 30), Synthetic(32, 4, seed: 31));
        Assert.That(result.StopReason, Is.EqualTo("time-limit"));
        Assert.That(result.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
    }

    [Test]
    public void Fit_ReportsEveryEpochThroughProgress()
    {
        using var model = new Sequential(Backend, 4, SmallNet, maxRows: 64);
        model.InitializeGlorotUniform(seed: 4);
        var reported = new List<EpochMetrics>();
        var trainer = new Trainer(model, new TrainerOptions { MaxEpochs = 5, Patience = 10, LearningRate = 1e-3f });
        var result = trainer.Fit(Synthetic(64, 4, seed: 40), Synthetic(16, 4, seed: 41), new SynchronousProgress(reported.Add));
        Assert.That(reported.Select(m => m.Epoch), Is.EqualTo(new[] { 1, 2, 3, 4, 5 }).AsCollection);
        Assert.That(reported, Is.EqualTo(result.History).AsCollection);
        Assert.That(reported[0].Improved, Is.True);
    }

    [Test]
    public void Fit_FrozenLeadingLayer_KeepsItsParametersExactly()
    {
        using var model = new Sequential(Backend, 4, SmallNet, maxRows: 64);
        model.InitializeGlorotUniform(seed: 5);
        var before = model.Parameters.DownloadValues();
        var trainer = new Trainer(model, new TrainerOptions { MaxEpochs = 3, LearningRate = 1e-2f, FrozenDenseLayers = 1 });
        trainer.Fit(Synthetic(64, 4, seed: 50), Synthetic(16, 4, seed: 51));
        var after = model.Parameters.DownloadValues();
        var (offset, _) = model.TrainableRange(1);
        Assert.That(after[..offset], Is.EqualTo(before[..offset]).AsCollection, "dense.0 frozen");
        Assert.That(after[offset..], Is.Not.EqualTo(before[offset..]).AsCollection, "the rest trained");
    }

    [Test]
    public void Fit_SameSeed_SameWeightsBitForBit()
    {
        float[] Run()
        {
            using var model = new Sequential(Backend, 4, [new DenseSpec(8, true), new DropoutSpec(0.8f), new DenseSpec(1, false)], maxRows: 32);
            model.InitializeGlorotUniform(seed: 6);
            new Trainer(model, new TrainerOptions { MaxEpochs = 3, LearningRate = 1e-2f, Seed = 9 }).Fit(Synthetic(100, 4, seed: 60), Synthetic(20, 4, seed: 61));
            return model.Parameters.DownloadValues();
        }
        var first = Run();
        Assert.That(Run(), Is.EqualTo(first).AsCollection);
    }

    [TestCase(5, 100, "max-epochs")]
    [TestCase(200, 1, "early-stopping")]
    public void Fit_EpochEnd_MarksOnlyTheLastEpochWithTheRunsStopReason(int maxEpochs, int patience, string expected)
    {
        using var model = new Sequential(Backend, 4, [new DenseSpec(8, true), new DenseSpec(1, false)], maxRows: 32);
        model.InitializeGlorotUniform(seed: 6);
        var ends = new List<(int Epoch, string? StopReason)>();
        var result = new Trainer(model, new TrainerOptions { MaxEpochs = maxEpochs, Patience = patience, LearningRate = 0.5f, Seed = 9 })
            .Fit(Synthetic(100, 4, seed: 60), Synthetic(20, 4, seed: 61), epochCompleted: e => ends.Add((e.Epoch, e.StopReason)));

        Assert.That(result.StopReason, Is.EqualTo(expected));
        Assert.That(ends.Select(e => e.Epoch), Is.EqualTo(Enumerable.Range(1, result.Epochs)).AsCollection);
        Assert.That(ends[..^1].All(e => e.StopReason is null), Is.True, "no earlier epoch is called the last");
        Assert.That(ends[^1].StopReason, Is.EqualTo(expected));
    }

    [Test]
    public void Fit_EpochEnd_CapturedInsideTheCallback_HoldsThatEpochsWeights()
    {
        using var model = new Sequential(Backend, 4, [new DenseSpec(8, true), new DenseSpec(1, false)], maxRows: 32);
        model.InitializeGlorotUniform(seed: 6);
        var perEpoch = new List<TrainingState>();
        new Trainer(model, new TrainerOptions { MaxEpochs = 3, Patience = 100, LearningRate = 1e-2f, Seed = 9 })
            .Fit(Synthetic(100, 4, seed: 60), Synthetic(20, 4, seed: 61), epochCompleted: e => perEpoch.Add(e.Capture()));

        Assert.That(perEpoch.Select(s => s.Epoch), Is.EqualTo(new[] { 1, 2, 3 }).AsCollection);
        Assert.That(perEpoch[1].Parameters, Is.Not.EqualTo(perEpoch[0].Parameters).AsCollection, "each capture is its own copy");
        Assert.That(perEpoch[2].History, Has.Count.EqualTo(3));
        Assert.That(perEpoch[0].History, Has.Count.EqualTo(1));
    }

    [Test]
    public void Fit_ResumedFromASavedState_EndsBitIdenticalToAnUninterruptedRun()
    {
        LayerSpec[] layers = [new DenseSpec(8, true), new DropoutSpec(0.8f), new DenseSpec(1, false)];
        var options = new TrainerOptions { MaxEpochs = 6, Patience = 100, LearningRate = 1e-2f, Seed = 4, BatchSize = 16 };
        var (train, validation) = (Synthetic(100, 4, seed: 70), Synthetic(20, 4, seed: 71));

        float[] straight;
        TrainingResult straightResult;
        using (var model = new Sequential(Backend, 4, layers, maxRows: 32))
        {
            model.InitializeGlorotUniform(seed: 6);
            straightResult = new Trainer(model, options).Fit(train, validation);
            straight = model.Parameters.DownloadValues();
        }

        TrainingState? saved = null;
        using (var model = new Sequential(Backend, 4, layers, maxRows: 32))
        {
            model.InitializeGlorotUniform(seed: 6);
            // "Killed" after epoch 3: only the state saved at the end of that epoch survives.
            new Trainer(model, options with { MaxEpochs = 3 }).Fit(train, validation, epochCompleted: e => saved = e.Capture());
        }
        Assert.That(saved!.Epoch, Is.EqualTo(3));

        using var resumed = new Sequential(Backend, 4, layers, maxRows: 32);
        var result = new Trainer(resumed, options).Fit(train, validation, resume: saved);
        Assert.That(resumed.Parameters.DownloadValues(), Is.EqualTo(straight).AsCollection);
        Assert.That(result.History.Select(h => h.ValidationMae), Is.EqualTo(straightResult.History.Select(h => h.ValidationMae)).AsCollection);
        Assert.That((result.Epochs, result.BestEpoch), Is.EqualTo((straightResult.Epochs, straightResult.BestEpoch)));
    }

    /// <summary>
    /// Cancelled after step 3 of epoch 4's 7, or with the time limit crossed there (a hook sleeps
    /// past it): epoch 4 is discarded whole — only epochs 1–3 are in the history, reported and
    /// handed to the checkpoint callback, the model holds the best of them — and resuming from
    /// epoch 3's state redoes epoch 4 from its start, ending bit-identical to an uninterrupted run.
    /// </summary>
    [TestCase("cancelled")]
    [TestCase("time-limit")]
    public void Fit_InterruptedMidEpoch_DiscardsThePartialEpochAndResumesBitIdentical(string how)
    {
        LayerSpec[] layers = [new DenseSpec(8, true), new DropoutSpec(0.8f), new DenseSpec(1, false)];
        // 100 rows in batches of 16: 7 steps per epoch.
        var options = new TrainerOptions { MaxEpochs = 6, Patience = 100, LearningRate = 1e-2f, Seed = 4, BatchSize = 16 };
        var (train, validation) = (Synthetic(100, 4, seed: 70), Synthetic(20, 4, seed: 71));

        float[] straight;
        TrainingResult straightResult;
        using (var model = new Sequential(Backend, 4, layers, maxRows: 32))
        {
            model.InitializeGlorotUniform(seed: 6);
            straightResult = new Trainer(model, options).Fit(train, validation);
            straight = model.Parameters.DownloadValues();
        }

        var limit = TimeSpan.FromSeconds(3);
        var states = new List<TrainingState>();
        var reported = new List<EpochMetrics>();
        TrainingResult result;
        using (var model = new Sequential(Backend, 4, layers, maxRows: 32))
        using (var cancel = new CancellationTokenSource())
        {
            model.InitializeGlorotUniform(seed: 6);
            var trainer = new Trainer(model, how == "time-limit" ? options with { TimeLimit = limit } : options)
            {
                StepCompleted = (epoch, step) =>
                {
                    if ((epoch, step) == (4, 3))
                    {
                        if (how == "time-limit")
                        {
                            Thread.Sleep(limit);
                        }
                        else
                        {
                            cancel.Cancel();
                        }
                    }
                },
            };
            result = trainer.Fit(train, validation, new SynchronousProgress(reported.Add),
                epochCompleted: e => states.Add(e.Capture()), cancellation: cancel.Token);
            Assert.That(model.Parameters.DownloadValues(), Is.EqualTo(states[^1].BestParameters).AsCollection, "best weights of the completed epochs");
        }

        Assert.That((result.StopReason, result.InterruptedEpoch, result.Epochs), Is.EqualTo((how, (int?)4, 3)));
        Assert.That(result.History.Select(h => (h.Epoch, h.TrainLoss, h.ValidationMae)),
            Is.EqualTo(straightResult.History.Take(3).Select(h => (h.Epoch, h.TrainLoss, h.ValidationMae))).AsCollection, "only whole epochs, as the uninterrupted run has them");
        Assert.That(reported.Select(m => m.Epoch), Is.EqualTo(new[] { 1, 2, 3 }).AsCollection);
        Assert.That(states.Select(s => s.Epoch), Is.EqualTo(new[] { 1, 2, 3 }).AsCollection, "no state of the partial epoch");
        Assert.That(result.BestEpoch, Is.LessThanOrEqualTo(3));

        using var resumed = new Sequential(Backend, 4, layers, maxRows: 32);
        var continued = new Trainer(resumed, options).Fit(train, validation, resume: states[^1]);
        Assert.That(resumed.Parameters.DownloadValues(), Is.EqualTo(straight).AsCollection);
        Assert.That(continued.History.Select(h => (h.TrainLoss, h.ValidationMae)),
            Is.EqualTo(straightResult.History.Select(h => (h.TrainLoss, h.ValidationMae))).AsCollection);
        Assert.That((continued.Epochs, continued.BestEpoch), Is.EqualTo((straightResult.Epochs, straightResult.BestEpoch)));
    }

    [Test]
    public void Fit_CancelledDuringTheFirstEpoch_RecordsNothingAndKeepsTheStartingWeights()
    {
        using var model = new Sequential(Backend, 4, [new DenseSpec(8, true), new DenseSpec(1, false)], maxRows: 32);
        model.InitializeGlorotUniform(seed: 6);
        var initial = model.Parameters.DownloadValues();
        using var cancel = new CancellationTokenSource();
        var ends = new List<EpochEnd>();
        var trainer = new Trainer(model, new TrainerOptions { MaxEpochs = 5, LearningRate = 1e-2f, BatchSize = 16 })
        {
            StepCompleted = (_, step) =>
            {
                if (step == 2)
                {
                    cancel.Cancel();
                }
            },
        };
        var result = trainer.Fit(Synthetic(100, 4, seed: 60), Synthetic(20, 4, seed: 61), epochCompleted: ends.Add, cancellation: cancel.Token);

        Assert.That((result.StopReason, result.InterruptedEpoch, result.Epochs, result.BestEpoch), Is.EqualTo(("cancelled", (int?)1, 0, 0)));
        Assert.That(result.History, Is.Empty);
        Assert.That(ends, Is.Empty);
        Assert.That(model.Parameters.DownloadValues(), Is.EqualTo(initial).AsCollection, "the partial epoch's steps are undone");
    }

    /// <summary>A cancellation that lands after an epoch's last step leaves that epoch whole: it is
    /// recorded and handed to the checkpoint callback as the last one.</summary>
    [Test]
    public void Fit_CancelledAtAnEpochsLastStep_KeepsThatEpochAsTheLast()
    {
        using var model = new Sequential(Backend, 4, [new DenseSpec(8, true), new DenseSpec(1, false)], maxRows: 32);
        model.InitializeGlorotUniform(seed: 6);
        using var cancel = new CancellationTokenSource();
        var ends = new List<(int Epoch, string? StopReason)>();
        var trainer = new Trainer(model, new TrainerOptions { MaxEpochs = 5, LearningRate = 1e-2f, BatchSize = 16 })
        {
            StepCompleted = (epoch, step) =>
            {
                if ((epoch, step) == (2, 7))
                {
                    cancel.Cancel();
                }
            },
        };
        var result = trainer.Fit(Synthetic(100, 4, seed: 60), Synthetic(20, 4, seed: 61), epochCompleted: e => ends.Add((e.Epoch, e.StopReason)), cancellation: cancel.Token);

        Assert.That((result.StopReason, result.InterruptedEpoch, result.Epochs), Is.EqualTo(("cancelled", (int?)null, 2)));
        Assert.That(ends, Is.EqualTo(new (int, string?)[] { (1, null), (2, "cancelled") }).AsCollection);
    }

    /// <summary>
    /// A schedule's rate is a pure function of the epoch and the history, so a run "killed" in the
    /// middle of a plateau count or of a cosine curve and resumed from its state repeats the
    /// uninterrupted run's rates, weights and metrics bit for bit; every epoch's metrics carry the rate it used.
    /// </summary>
    [TestCase(LearningRateScheduleKind.Plateau)]
    [TestCase(LearningRateScheduleKind.Cosine)]
    public void Fit_WithASchedule_ResumedMidway_EndsBitIdenticalToAnUninterruptedRun(LearningRateScheduleKind kind)
    {
        LayerSpec[] layers = [new DenseSpec(8, true), new DropoutSpec(0.8f), new DenseSpec(1, false)];
        // A large rate makes the validation MAE bounce, so the plateau count runs and reduces the rate.
        var schedule = new LearningRateSchedule { Kind = kind, Factor = 0.5, Patience = 1, Floor = 1e-3f, WarmupEpochs = 2, FinalRate = 1e-3f };
        var options = new TrainerOptions { MaxEpochs = 10, Patience = 100, LearningRate = 0.3f, Seed = 4, BatchSize = 16, Schedule = schedule };
        var (train, validation) = (Synthetic(100, 4, seed: 70), Synthetic(20, 4, seed: 71));

        float[] straight;
        TrainingResult straightResult;
        using (var model = new Sequential(Backend, 4, layers, maxRows: 32))
        {
            model.InitializeGlorotUniform(seed: 6);
            straightResult = new Trainer(model, options).Fit(train, validation);
            straight = model.Parameters.DownloadValues();
        }
        var rates = straightResult.History.Select(h => h.LearningRate).ToList();
        for (var e = 1; e <= rates.Count; e++)
        {
            Assert.That(rates[e - 1], Is.EqualTo(schedule.RateFor(e, 0.3f, 10, [.. straightResult.History.Take(e - 1)])), $"epoch {e}");
        }
        Assert.That(rates.Distinct().Count(), Is.GreaterThan(2), "the rate moved: " + string.Join(", ", rates));
        Assert.That(rates[5..].Distinct().Count(), Is.GreaterThan(1), "and moves after the resume point: " + string.Join(", ", rates));

        TrainingState? saved = null;
        using (var model = new Sequential(Backend, 4, layers, maxRows: 32))
        {
            model.InitializeGlorotUniform(seed: 6);
            // "Killed" after epoch 5 (its epoch limit is the full run's, as a resumed run's is).
            new Trainer(model, options).Fit(train, validation, epochCompleted: e =>
            {
                if (e.Epoch == 5)
                {
                    saved = e.Capture();
                }
            });
        }
        Assert.That(saved!.Epoch, Is.EqualTo(5));

        using var resumed = new Sequential(Backend, 4, layers, maxRows: 32);
        var result = new Trainer(resumed, options).Fit(train, validation, resume: saved);
        Assert.That(resumed.Parameters.DownloadValues(), Is.EqualTo(straight).AsCollection);
        Assert.That(result.History.Select(h => (h.LearningRate, h.TrainLoss, h.ValidationMae)),
            Is.EqualTo(straightResult.History.Select(h => (h.LearningRate, h.TrainLoss, h.ValidationMae))).AsCollection);
        Assert.That((result.Epochs, result.BestEpoch), Is.EqualTo((straightResult.Epochs, straightResult.BestEpoch)));
    }

    /// <summary>
    /// Under every regularisation at once (LP-FT for 2 epochs, a slower trunk, AdamW, L2-SP), a run
    /// "killed" after epoch 4 and resumed from its state — which carries L2-SP's starting weights —
    /// ends bit-identical to the uninterrupted run; the regularised run differs from the plain one;
    /// a saved state without starting weights is refused when L2-SP is on.
    /// </summary>
    [Test]
    public void Fit_WithRegularization_ResumedMidway_EndsBitIdenticalToAnUninterruptedRun()
    {
        LayerSpec[] layers = [new DenseSpec(8, true), new DropoutSpec(0.8f), new DenseSpec(8, true), new DenseSpec(1, false)];
        var regularization = new Regularization { HeadOnlyEpochs = 2, TrunkRateScale = 0.5f, WeightDecay = 0.5f, SourceDecay = 5f };
        var options = new TrainerOptions { MaxEpochs = 8, Patience = 100, LearningRate = 0.03f, Seed = 4, BatchSize = 16, Regularization = regularization };
        var (train, validation) = (Synthetic(100, 4, seed: 70), Synthetic(20, 4, seed: 71));

        float[] Run(TrainerOptions with, Action<EpochEnd>? epochCompleted = null)
        {
            using var model = new Sequential(Backend, 4, layers, maxRows: 32);
            model.InitializeGlorotUniform(seed: 6);
            new Trainer(model, with).Fit(train, validation, epochCompleted: epochCompleted);
            return model.Parameters.DownloadValues();
        }
        var straight = Run(options);
        Assert.That(straight, Is.Not.EqualTo(Run(options with { Regularization = Regularization.None })).AsCollection, "the regularisation changes training");

        TrainingState? saved = null;
        Run(options, e =>
        {
            if (e.Epoch == 4)
            {
                saved = e.Capture();
            }
        });
        Assert.That(saved!.StartingParameters, Is.Not.Null, "L2-SP's anchor is part of the state");

        using var resumed = new Sequential(Backend, 4, layers, maxRows: 32);
        new Trainer(resumed, options).Fit(train, validation, resume: saved);
        Assert.That(resumed.Parameters.DownloadValues(), Is.EqualTo(straight).AsCollection);

        using var orphan = new Sequential(Backend, 4, layers, maxRows: 32);
        Assert.Throws<ArgumentException>(() => new Trainer(orphan, options).Fit(train, validation, resume: saved with { StartingParameters = null }));
    }

    /// <summary>
    /// A linear model y = x·w + b under MSE with a learning rate of 0 and one full batch per epoch:
    /// the gradient of every epoch's (only) step is (2/n) Σ eᵢ·[xᵢ, 1] at the initial weights,
    /// computed here in double beside the trainer's.
    /// </summary>
    [Test]
    public void Fit_GradientNorm_IsTheLastStepsGradientNorm()
    {
        using var model = new Sequential(Backend, 4, [new DenseSpec(1, false)], maxRows: 64);
        model.InitializeGlorotUniform(seed: 8);
        var parameters = model.Parameters.DownloadValues();
        var train = Synthetic(64, 4, seed: 80);
        var result = new Trainer(model, new TrainerOptions { Loss = LossKind.Mse, LearningRate = 0f, BatchSize = 64, MaxEpochs = 2, Patience = 5 })
            .Fit(train, Synthetic(16, 4, seed: 81));

        var weight = model.Parameters.Entries.Single(e => e.Name.EndsWith(".weight", StringComparison.Ordinal));
        var bias = model.Parameters.Entries.Single(e => e.Name.EndsWith(".bias", StringComparison.Ordinal));
        var gradient = new double[5];
        for (var i = 0; i < train.Count; i++)
        {
            var e = (double)parameters[bias.Offset] - train.Targets[i];
            for (var k = 0; k < 4; k++)
            {
                e += (double)train.Features[i * 4 + k] * parameters[weight.Offset + k];
            }
            for (var k = 0; k < 4; k++)
            {
                gradient[k] += 2 * e * train.Features[i * 4 + k] / train.Count;
            }
            gradient[4] += 2 * e / train.Count;
        }
        var expected = Math.Sqrt(gradient.Sum(g => g * g));
        Assert.That(result.History.Select(h => h.GradientNorm), Is.All.EqualTo(expected).Within(1e-5 * expected));
        var weightNorm = Math.Sqrt(parameters.Sum(p => (double)p * p));
        Assert.That(result.History.Select(h => h.WeightNorm), Is.All.EqualTo(weightNorm).Within(1e-12 * weightNorm));
    }

    /// <summary>
    /// Three sound epochs, then a resumed session at an absurd learning rate: Adam moves every
    /// weight by about 1e30 in the first step, the next forward pass overflows, and the epoch's loss
    /// is infinite or NaN. The run stops there, restores the best of the sound epochs, and hands no
    /// state for the bad epoch to the checkpoint callback.
    /// </summary>
    [Test]
    public void Fit_DivergingEpoch_StopsRestoresTheBestWeightsAndSavesNoState()
    {
        var options = new TrainerOptions { MaxEpochs = 3, Patience = 100, LearningRate = 1e-2f, Seed = 4, BatchSize = 16 };
        var (train, validation) = (Synthetic(100, 4, seed: 90), Synthetic(20, 4, seed: 91));
        using var model = new Sequential(Backend, 4, SmallNet, maxRows: 32);
        model.InitializeGlorotUniform(seed: 9);
        TrainingState? saved = null;
        new Trainer(model, options).Fit(train, validation, epochCompleted: e => saved = e.Capture());

        var states = new List<TrainingState>();
        var result = new Trainer(model, options with { MaxEpochs = 10, LearningRate = 1e30f })
            .Fit(train, validation, resume: saved, epochCompleted: e => states.Add(e.Capture()));

        Assert.That(result.StopReason, Is.EqualTo(Trainer.NonFiniteStop));
        Assert.That(result.Epochs, Is.EqualTo(4), "stopped at the first bad epoch");
        Assert.That(result.History[^1].IsFinite, Is.False);
        Assert.That(result.History.Take(3).All(h => h.IsFinite), Is.True);
        Assert.That(states, Is.Empty, "no checkpoint of the bad epoch");
        Assert.That(model.Parameters.DownloadValues(), Is.EqualTo(saved!.BestParameters).AsCollection, "best weights of the sound epochs restored");
    }

    [Test]
    public void Constructor_BadOptions_Throw()
    {
        using var model = new Sequential(Backend, 4, SmallNet, maxRows: 16);
        Assert.Throws<ArgumentException>(() => _ = new Trainer(model, new TrainerOptions { BatchSize = 32 }), "batch above the model's rows");
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new Trainer(model, new TrainerOptions { BatchSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new Trainer(model, new TrainerOptions { BatchSize = 8, LearningRate = -1f }));
        var trainer = new Trainer(model, new TrainerOptions { BatchSize = 8 });
        Assert.Throws<ArgumentException>(() => trainer.Fit(Synthetic(8, 4, 1), new DataMatrix([], [], 4)), "empty validation set");
    }

    [Test]
    public void TargetScaler_FitTransformInverse_RoundTrips()
    {
        float[] targets = [10f, 20f, 30f, 40f];
        var scaler = TargetScaler.Fit(targets);
        Assert.That((scaler.Offset, scaler.Scale), Is.EqualTo((25.0, Math.Sqrt(125.0))));
        var scaled = scaler.Transform(targets);
        Assert.That(scaled.Average(), Is.EqualTo(0).Within(1e-6));
        scaler.InverseInPlace(scaled);
        Assert.That(scaled, Is.EqualTo(targets).Within(1e-5).AsCollection);
        Assert.That(TargetScaler.Fit([5f, 5f]).Scale, Is.EqualTo(1.0), "constant targets");
    }

    /// <summary><see cref="Progress{T}"/> posts to the thread pool; tests need the callback inline.</summary>
    private sealed class SynchronousProgress(Action<EpochMetrics> report) : IProgress<EpochMetrics>
    {
        public void Report(EpochMetrics value) => report(value);
    }
}
