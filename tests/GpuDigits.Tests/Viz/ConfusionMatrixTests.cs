using GpuDigits.Data;
using GpuDigits.Model.Inference;
using GpuDigits.Tests.Data;
using GpuDigits.Reports.Evaluation;
using NUnit.Framework;

namespace GpuDigits.Tests.Viz;

public class ConfusionMatrixTests
{
    [Test]
    public void PrecisionRecallAndF1ByHand()
    {
        // Labels 0 0 0 1 1 2; predictions 0 0 1 1 2 2.
        var m = ConfusionMatrix.From(new byte[] { 0, 0, 0, 1, 1, 2 }, [0, 0, 1, 1, 2, 2], 3);
        Assert.That((m.Total, m.Correct), Is.EqualTo((6, 4)));
        Assert.That(m.Accuracy, Is.EqualTo(4 / 6.0));
        var c = m.PerClass();
        Assert.That((c[0].Precision, c[0].Recall), Is.EqualTo((1.0, 2 / 3.0)));
        Assert.That((c[1].Precision, c[1].Recall), Is.EqualTo((0.5, 0.5)));
        Assert.That((c[2].Precision, c[2].Recall), Is.EqualTo((0.5, 1.0)));
        Assert.That(c[0].F1, Is.EqualTo(0.8).Within(1e-12));

        var empty = ConfusionMatrix.From(new byte[] { 0 }, [0], 2).PerClass()[1];
        Assert.That((empty.Count, empty.Predicted, empty.Precision, empty.Recall, empty.F1), Is.EqualTo((0, 0, 0.0, 0.0, 0.0)), "no division by zero");
    }

    [Test]
    public void TopClassesAreSortedWithTiesToTheLowerClass()
    {
        var top = Classification.TopOf([0.1f, 0.3f, 0.3f, 0.05f, 0.25f], 3);
        Assert.That(top, Is.EqualTo(new[] { (1, 0.3f), (2, 0.3f), (4, 0.25f) }));
    }

    [Test]
    public void ConfusionCsvRoundTripsAndRefusesOtherShapes()
    {
        using var temp = new TempFolder();
        var m = ConfusionMatrix.From(new byte[] { 0, 1, 2, 2, 1 }, [0, 2, 2, 1, 1], 3);
        string path = temp.File("c.csv");
        EvaluationCsv.WriteConfusion(path, m);
        Assert.That(File.ReadAllText(path), Is.EqualTo("actual,0,1,2\n0,1,0,0\n1,0,1,1\n2,0,1,1\n"));
        var back = EvaluationCsv.ReadConfusion(path);
        for (int a = 0; a < 3; a++)
            for (int p = 0; p < 3; p++)
                Assert.That(back[a, p], Is.EqualTo(m[a, p]));

        EvaluationCsv.WriteConfusion(path, m, ["zero", "one", "seven"]);
        Assert.That(File.ReadAllText(path), Is.EqualTo("actual,name,0,1,2\n0,zero,1,0,0\n1,one,0,1,1\n2,seven,0,1,1\n"));
        back = EvaluationCsv.ReadConfusion(path);
        Assert.That(Enumerable.Range(0, 9).All(i => back[i / 3, i % 3] == m[i / 3, i % 3]), "the name column is read past");
        Assert.That(() => EvaluationCsv.WriteConfusion(path, m, ["zero"]), Throws.ArgumentException);

        foreach (var (text, problem) in new[]
        {
            ("true,0,1\n0,1,0\n1,0,1\n", "header"),
            ("actual,name,1,0\n0,a,1,0\n1,b,0,1\n", "header"),
            ("actual,0,1\n0,1,0\n", "has 1 rows for 2 classes"),
            ("actual,0,1\n1,1,0\n0,0,1\n", "row 1 is not actual class 0"),
            ("actual,0,1\n0,1,-4\n1,0,1\n", "negative count"),
        })
        {
            string bad = temp.Write("bad.csv", System.Text.Encoding.ASCII.GetBytes(text));
            Assert.That(Assert.Throws<DataFormatException>(() => EvaluationCsv.ReadConfusion(bad))!.Message, Does.Contain(problem));
        }
    }
}
